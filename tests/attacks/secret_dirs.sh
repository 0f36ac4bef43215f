#!/usr/bin/env bash
# A covered secret's directories stay in place (issue 13, class 8): renaming or removing the directory above a
# secret that a rule names by its path moved the secret out from under that rule, readable in the next session.
. "$(dirname "$0")/common.bash"

mkdir -p private/deeper && echo "$(canary notes)" > private/deeper/notes.txt
add_secret notes
user_config 'files:
  deny:
    - $PROJECT/private/deeper/notes.txt'
for f in $FLAVOURS; do
	ga "$f" -- sh -c 'mv private/deeper private/d2; mv private priv2; mkdir -p x && mv priv2 x/ 2>/dev/null; true'
	gr -- sh -c 'cat private/deeper/notes.txt priv2/deeper/notes.txt priv2/d2/notes.txt private/d2/notes.txt x/priv2/deeper/notes.txt x/priv2/d2/notes.txt x/private/d2/notes.txt 2>/dev/null; true'
	a_clean "[$f] renaming the directories above a secret named by its path does not expose it to the next session"
	t_true "[$f] ... and it is still where its rule names it" -f private/deeper/notes.txt
	# put the world back for the next flavour
	for d in x/priv2 priv2; do [ -d "$d" ] && { rm -rf private; mv "$d" private; }; done
	[ -d private/d2 ] && mv private/d2 private/deeper
	rm -rf x
done

t_done
