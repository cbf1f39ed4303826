/* The built-in tour: traces/scenarios/tour.vmt, compiled in by the build
 * (tour-data.c is generated from it), so `vmscope tour` works anywhere. */
#ifndef VM_TOUR_H
#define VM_TOUR_H
extern const char vm_tour_text[];
#endif
