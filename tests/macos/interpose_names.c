/* The symbols the DYLD shim must bind in __DATA,__interpose, one per line, from the one table
 * (preload/shim_table_darwin.h): check_macho.sh compares them with what the linked dylib binds. Built for the
 * host: the table is only read by the preprocessor here. */
#include <stdio.h>

#include "shim_table_darwin.h"

#define SHIM_DARWIN_ROW(gen, sym, ...) #sym,
static const char *const names[] = {SHIM_TABLE(SHIM_DARWIN_PICK) NULL};

int main(void)
{
	for (int i = 0; names[i]; i++)
		puts(names[i]);
	return 0;
}
