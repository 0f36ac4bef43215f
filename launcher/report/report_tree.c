/* The process tree of a report (see report.h): nodes per pid, parents by ppid, children grouped by parent. */
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

static size_t node_of(const struct guard_rep_tree *t, const struct guard_report *r, long long pid)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (r->procs.v[t->first[mid]].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->n && r->procs.v[t->first[lo]].pid == pid ? lo : t->n;
}

void guard_rep_tree_build(struct guard_rep_tree *t, const struct guard_report *r)
{
	size_t n = r->procs.n;
	memset(t, 0, sizeof *t);
	t->first = guard_xmalloc((n + 1) * sizeof *t->first);
	t->count = guard_xmalloc((n + 1) * sizeof *t->count);
	t->parent = guard_xmalloc((n + 1) * sizeof *t->parent);
	t->kids = guard_xmalloc((n + 1) * sizeof *t->kids);
	t->kid_start = guard_xmalloc((n + 2) * sizeof *t->kid_start);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && r->procs.v[j].pid == r->procs.v[i].pid)
			j++;
		t->first[t->n] = i;
		t->count[t->n] = j - i;
		t->n++;
		i = j;
	}
	/* Counting sort of nodes by parent; children keep pid order (start order, but for pid wrap-around). */
	memset(t->kid_start, 0, (t->n + 2) * sizeof *t->kid_start);
	for (size_t k = 0; k < t->n; k++) {
		t->parent[k] = node_of(t, r, r->procs.v[t->first[k]].ppid);
		if (t->parent[k] == k)
			t->parent[k] = t->n;
		t->kid_start[t->parent[k] + 1]++;
	}
	for (size_t k = 0; k < t->n; k++)
		t->kid_start[k + 1] += t->kid_start[k];
	size_t *fill = guard_xmalloc((t->n + 1) * sizeof *fill);
	memcpy(fill, t->kid_start, (t->n + 1) * sizeof *fill);
	for (size_t k = 0; k < t->n; k++)
		if (t->parent[k] < t->n)
			t->kids[fill[t->parent[k]]++] = k;
	free(fill);
}

void guard_rep_tree_free(struct guard_rep_tree *t)
{
	free(t->first), free(t->count), free(t->parent), free(t->kids), free(t->kid_start);
	memset(t, 0, sizeof *t);
}
