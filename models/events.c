/* The event queue's binary heap; see events.h. */
#include "models/events.h"

static inline gboolean before(const vm_ev_t *a, const vm_ev_t *b)
{
	return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

void vm_events_init(vm_events_t *q, uint32_t cap)
{
	q->cap = cap ? cap : 64;
	q->h = g_new(vm_ev_t, q->cap);
	q->n = 0;
	q->next_seq = 0;
}

void vm_events_destroy(vm_events_t *q)
{
	g_free(q->h);
	q->h = NULL;
	q->n = q->cap = 0;
}

void vm_events_push(vm_events_t *q, uint64_t time, vm_ev_kind_t kind, uint32_t arg,
		 uint64_t arg2)
{
	if (q->n == q->cap) {
		q->cap *= 2;
		q->h = g_renew(vm_ev_t, q->h, q->cap);
	}
	vm_ev_t ev = { .time = time, .seq = q->next_seq++, .kind = kind,
		       .arg = arg, .arg2 = arg2 };
	uint32_t i = q->n++;
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (!before(&ev, &q->h[parent]))
			break;
		q->h[i] = q->h[parent];
		i = parent;
	}
	q->h[i] = ev;
}

gboolean vm_events_pop(vm_events_t *q, vm_ev_t *ev)
{
	if (!q->n)
		return FALSE;
	*ev = q->h[0];
	vm_ev_t last = q->h[--q->n];
	uint32_t i = 0;
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= q->n)
			break;
		if (c + 1 < q->n && before(&q->h[c + 1], &q->h[c]))
			c++;
		if (!before(&q->h[c], &last))
			break;
		q->h[i] = q->h[c];
		i = c;
	}
	if (q->n)
		q->h[i] = last;
	return TRUE;
}
