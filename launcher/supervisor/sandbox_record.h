/* Fixed-size records the sandbox's children send the supervisor over a pipe (atomic: < PIPE_BUF). */
#ifndef GUARD_SANDBOX_RECORD_H
#define GUARD_SANDBOX_RECORD_H

struct guard_record {
	char type; /* 'E': failed before exec (code, msg); 'S': the command's wait status */
	int code;
	int status;
	char msg[480];
};

#endif
