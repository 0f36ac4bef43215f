/* The written forms of limits.memory and limits.cpu.
 *
 *   memory: 2G, 512M, 1536K, 1.5G, 2GiB, 2GB or a plain number of bytes. K/M/G/T are powers of 1024 whatever
 *           the spelling (k, Ki, KB, KiB): a memory limit is read against RAM sizes, which are binary.
 *   cpu:    a share of the machine's CPUs: "50%" (half of one CPU), "250%", or cores: 1.5, 2 (quoted or not);
 *           or a duration of CPU time: 30s, 10m, 1h, 1h30m — the command (each process) is killed by SIGXCPU/SIGKILL
 *           once it has used that much CPU time (RLIMIT_CPU). A share is a rate (cgroup cpu.max / cfs quota), a
 *           duration is a budget; one key, two forms, told apart by the suffix. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/limits_plan.h"

int guard_parse_bytes(const char *t, long double *out, const char **why)
{
	char *end;
	if (!t || !isdigit((unsigned char)t[0])) {
		*why = "a size is a number with an optional K, M, G or T suffix (512M, 2G)";
		return -1;
	}
	double v = strtod(t, &end);
	long double mult = 1;
	char u = (char)toupper((unsigned char)*end);
	if (u && strchr("KMGT", u)) {
		for (const char *s = "KMGT"; *s; s++) {
			mult *= 1024;
			if (*s == u)
				break;
		}
		end++;
		if (*end == 'i')
			end++;
		if (*end == 'B' || *end == 'b')
			end++;
	} else if (*end == 'B' || *end == 'b') {
		end++;
	}
	if (*end) {
		*why = "a size is a number with an optional K, M, G or T suffix (512M, 2G)";
		return -1;
	}
	*out = (long double)v * mult;
	return 0;
}

int guard_parse_size(const char *t, long long *out, const char **why)
{
	long double bytes;
	if (guard_parse_bytes(t, &bytes, why) != 0)
		return -1;
	if (bytes < GUARD_MEMORY_MIN) {
		*why = "below 4M nothing runs: use at least 4M";
		return -1;
	}
	if (bytes > (long double)GUARD_MEMORY_MAX) {
		*why = "more than 1 exabyte";
		return -1;
	}
	*out = (long long)bytes;
	return 0;
}

int guard_parse_log_cap(const char *t, long long *out, const char **why)
{
	long double bytes;
	if (guard_parse_bytes(t, &bytes, why) != 0)
		return -1;
	if (bytes < GUARD_LOG_CAP_MIN) {
		*why = "below 64K the log has no room for its denials: use at least 64K (the default is 64M)";
		return -1;
	}
	if (bytes > (long double)GUARD_MEMORY_MAX) {
		*why = "more than 1 exabyte";
		return -1;
	}
	*out = (long long)bytes;
	return 0;
}

int guard_parse_log_margin(const char *t, long long *out, const char **why)
{
	size_t n = t ? strlen(t) : 0;
	if (n > 1 && t[n - 1] == '%') {
		char *end;
		long pct = strtol(t, &end, 10);
		if (!isdigit((unsigned char)t[0]) || end != t + n - 1 || pct > 100) {
			*why = "a share of the filesystem is a whole percentage from 0% to 100% (5%)";
			return -1;
		}
		*out = -pct;
		return 0;
	}
	long double bytes;
	if (guard_parse_bytes(t, &bytes, why) != 0) {
		*why = "the margin is a size (1G, 512M, 0) or a share of the filesystem (5%)";
		return -1;
	}
	if (bytes > (long double)GUARD_MEMORY_MAX) {
		*why = "more than 1 exabyte";
		return -1;
	}
	*out = (long long)bytes;
	return 0;
}

/* "10m", "30s", "1h30m", "90": seconds. */
static int parse_duration(const char *t, long long *secs)
{
	long long total = 0;
	bool any = false;
	while (*t) {
		if (!isdigit((unsigned char)*t))
			return -1;
		long long n = 0;
		while (isdigit((unsigned char)*t)) {
			if (n > 100000000)
				return -1;
			n = n * 10 + (*t++ - '0');
		}
		long long unit = *t == 's' ? 1 : *t == 'm' ? 60 : *t == 'h' ? 3600 : *t == 'd' ? 86400 : 0;
		if (!unit)
			return -1;
		t++;
		total += n * unit;
		any = true;
	}
	if (!any || total < 1)
		return -1;
	*secs = total;
	return 0;
}

int guard_parse_cpu(const char *t, long long *millicpus, long long *seconds, const char **why)
{
	static const char *const form = "write a share of CPUs (\"50%\", 1.5 cores) or CPU time (30s, 10m, 1h)";
	*millicpus = *seconds = -1;
	if (!t || !*t || !isdigit((unsigned char)t[0])) {
		*why = form;
		return -1;
	}
	size_t len = strlen(t);
	char last = t[len - 1];
	if (last == 's' || last == 'm' || last == 'h' || last == 'd') {
		if (parse_duration(t, seconds) < 0) {
			*why = form;
			return -1;
		}
		return 0;
	}
	char *end;
	double v = strtod(t, &end);
	if (*end == '%' && end[1] == 0)
		v /= 100;
	else if (*end) {
		*why = form;
		return -1;
	}
	long long m = (long long)(v * 1000 + 0.5);
	if (m < GUARD_CPU_MIN_MILLI) {
		*why = "less than 1% of one CPU";
		return -1;
	}
	if (m > GUARD_CPU_MAX_MILLI) {
		*why = "more than 4096 CPUs";
		return -1;
	}
	*millicpus = m;
	return 0;
}

char *guard_format_size(long long bytes, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int u = -1;
	double v = (double)bytes;
	while (u < 3 && v >= 1024 && ((long long)v % 1024 == 0 || v >= 1024 * 1024)) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%lld bytes", bytes);
	else if (v == (double)(long long)v)
		snprintf(buf, len, "%lld%c", (long long)v, units[u]);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
	return buf;
}

char *guard_format_cpu(long long millicpus, char *buf, size_t len)
{
	snprintf(buf, len, "%lld%% of one CPU (%lld.%03lld cores)", millicpus / 10, millicpus / 1000, millicpus % 1000);
	return buf;
}
