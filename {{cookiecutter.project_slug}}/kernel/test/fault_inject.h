// Fault injection for test builds (see fault_inject.c).
#ifndef FAULT_INJECT_H
#define FAULT_INJECT_H

// Trigger the fault called `name` ("divide", "page_fault", "write_text",
// "exec_data", "stack_overflow", "pmm_exhaust", "fba_exhaust", "automap")
// after the ready line. Does not return: the fault is reported and the run
// ends through kernel_finish (FAIL for an exception, PASS when an
// exhaustion was answered with 0/NULL and nothing leaked). Panics on an
// unknown name. Only in builds made with `make test-image FAULT=name`.
__attribute__((noreturn)) void fault_inject_run(const char *name);

#endif
