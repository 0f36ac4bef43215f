/* What every macOS profile grants the system itself, whatever the policy says: without these reads dyld aborts
 * the agent before main (SIGABRT, exit 134), TLS cannot verify a certificate (Go's "OSStatus -26276" when trustd
 * is out of reach), and name lookups fail. The policy's own trees (rules/default.yaml: /usr, /bin, /etc, ...)
 * come on top, each with its line. Paths are physical: /etc is /private/etc, /var is /private/var. */
#include <stddef.h>

#include "sandbox/darwin/sbpl.h"

const char *const guard_sbpl_system_trees[] = {
	"/System",             /* frameworks, the dyld shared cache (macOS 11+) */
	"/usr/lib",            /* libSystem and the dylibs dyld resolves */
	"/usr/share",          /* zoneinfo, terminfo, locale */
	"/Library/Apple",      /* Apple's system extensions (Rosetta) */
	"/Library/Frameworks", /* third-party frameworks some runtimes link */
	"/Library/Preferences/Logging",
	"/Library/Developer/CommandLineTools", /* the toolchain /usr/bin's xcrun shims run */
	"/private/var/db/dyld",                /* the dyld shared cache (before macOS 11) */
	"/private/var/db/timezone",
	"/private/var/select", /* xcode-select's active developer dir link */
	"/private/var/db/xcode_select_link",
	"/Applications/Xcode.app/Contents/Developer",
	"/opt/homebrew", /* Homebrew on Apple silicon; /usr/local on Intel (below) */
	"/usr/local",
	NULL,
};

/* com.apple.trustd.agent and com.apple.trustd keep TLS verification working; configd and DNSConfiguration keep
 * SystemConfiguration users (uv, Python's proxy lookup) from crashing. The resolver (mDNSResponder's
 * com.apple.dnssd.service) comes only with the network open (sbpl_net.c): as on Linux, a sandbox with an
 * allow-list has no DNS of its own (guard's proxy resolves names), and queries a resolver sends for it would
 * carry data out. No keychain service, no launchd
 * submission, no Apple Events: those open doors outside the sandbox. */
const char *const guard_sbpl_mach_base[] = {
	"com.apple.system.logger",
	"com.apple.logd",
	"com.apple.system.notification_center",
	"com.apple.system.opendirectoryd.libinfo",
	"com.apple.system.opendirectoryd.membership",
	"com.apple.system.DirectoryService.libinfo_v1",
	"com.apple.cfprefsd.daemon",
	"com.apple.cfprefsd.agent",
	"com.apple.trustd",
	"com.apple.trustd.agent",
	"com.apple.SystemConfiguration.configd",
	"com.apple.SystemConfiguration.DNSConfiguration",
	"com.apple.PowerManagement.control",
	"com.apple.FSEvents",
	NULL,
};

/* Reached only when a passthrough opens the keychain (gh, git-credential-osxkeychain, an agent's OAuth token):
 * with these any process of the session can read the user's keychain items its code signature may read. */
const char *const guard_sbpl_mach_keychain[] = {
	"com.apple.SecurityServer",
	"com.apple.securityd.xpc",
	"com.apple.security.agent",
	"com.apple.secd",
	"com.apple.security.keychaind",
	"com.apple.security.authhost",
	NULL,
};
