/* Name lookups (SHIM_LOOKUP_TABLE): the real call, unchanged, then shim_note_lookup when it failed. Inside a
 * sandbox whose network is not open no resolver answers, and the program's own error ("Could not resolve host")
 * does not say why: guard's line next to it does. */
#include <errno.h>
#include <netdb.h>

#include "shim_note.h"
#include "shim_real.h"
#include "shim_state.h"

#define SHIM_GEN_LOOKUP(name, ret_, params_, args_, host_, failed_)                                                    \
	SHIM_DEFINE(ret_, name, params_)                                                                               \
	{                                                                                                              \
		if (shim_mode() != SHIM_ON)                                                                            \
			return SHIM_REAL(name) args_;                                                                  \
		ret_ r = SHIM_REAL(name) args_;                                                                        \
		if (failed_)                                                                                           \
			shim_note_lookup(host_); /* keeps errno (and h_errno: no lookup of ours runs) */               \
		return r;                                                                                              \
	}
#define SHIM_X(gen, ...) SHIM_GEN_##gen(__VA_ARGS__)
SHIM_LOOKUP_TABLE(SHIM_X)
