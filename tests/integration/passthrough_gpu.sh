#!/usr/bin/env bash
# GPU passthrough: --gpu (or `passthrough: [gpu]`) grants /dev/nvidia*, /dev/dri, /dev/kfd read-write (Landlock's
# write rights include device ioctls); /sys stays readable as in every profile. Off by default.
. "$(dirname "$0")/../lib.sh"
needs python3
setup_world

gr --gpu --dry-run -- true
GPU_OUT=$OUT
t_match "--gpu is named in --dry-run" "^  gpu: " "$OUT"
gr --dry-run -- true
t_nomatch "without --gpu nothing of it is in --dry-run" "^  gpu: " "$OUT"
devs=$(ls -d /dev/nvidia* /dev/dri /dev/kfd 2>/dev/null | head -5)
if [ -z "$devs" ]; then
	t_has "no GPU here: --dry-run says nothing is granted" "no GPU device here" "$GPU_OUT"
	t_skip_n 3 "GPU device access" "no /dev/nvidia*, /dev/dri or /dev/kfd on this machine"
	t_done
fi
node=$(ls /dev/dri/renderD* /dev/dri/card* /dev/nvidiactl /dev/kfd 2>/dev/null | head -1)
gr --gpu --dry-run -- true
t_has "--gpu grants $node's tree" "read-write" "$OUT"
OPEN='import os, sys
try:
    os.close(os.open(sys.argv[1], os.O_RDWR)); print("OPENED")
except OSError as e: print("refused", e.errno)'
gr -- python3 -c "$OPEN" "$node"
t_lacks "without --gpu $node cannot be opened read-write" "OPENED" "$OUT"
gr --gpu -- python3 -c "$OPEN" "$node"
if [ -r "$node" ] && [ -w "$node" ]; then
	t_allowed "--gpu: $node opens read-write" "OPENED"
else
	t_skip "--gpu: $node opens read-write" "this user has no access to $node outside the sandbox either"
fi
t_done
