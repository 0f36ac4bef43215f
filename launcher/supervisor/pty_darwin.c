/* guard_openpty (pty.h). openpty(3) is libSystem's (libutil), declared in <util.h>, which the cross compiler's
 * macOS headers do not ship: declared here as the SDK does. */
#include <stddef.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "supervisor/pty.h"

int openpty(int *amaster, int *aslave, char *name, struct termios *termp, struct winsize *winp);

int guard_openpty(int *master, int *slave, const struct termios *t, const struct winsize *ws)
{
	/* macOS declares the parameters without const; openpty only reads them. */
	return openpty(master, slave, NULL, (struct termios *)t, (struct winsize *)ws);
}
