# Sources of kernel/sched, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  kernel/sched/sched.c
  kernel/sched/smp.c
  kernel/sched/smp_cmds.c
  kernel/sched/smp_tests.c
  kernel/sched/watchdog.c
  kernel/sched/watchdog_cmds.c
  kernel/sched/smp_plan.c
  kernel/sched/runqueue.c
  kernel/sched/wait.c
  kernel/sched/task.c
  kernel/sched/sched_cmds.c
)
