# Secondary CPUs (issue 12): every CPU the firmware lists is started and
# reports in with its own id and per-CPU data, with its interrupt controller
# part and timer up, and runs threads (`cpus` shows its idle share, counts
# and the thread on it); the ones that cannot be are named; the in-kernel
# tests (threads spread and pinned, timers and calls on every CPU among
# them) pass with them up, twice from the shell.
# SMP=N (scripts/qemu) runs QEMU with N CPUs under multi-threaded TCG.

# Every ktest twice from the shell with n CPUs up (2, 4 and 8 are run); ARGN: more KEY=VALUE
# settings for scripts/qemu. The timeout is a guard against hangs, not a speed target: with 8
# vCPUs on a 2-core host (multi-threaded TCG), a wakeup that crosses CPUs waits for the host to
# schedule that vCPU's thread. sync_semaphore_bounded_buffer took 40-70 s a run there while locks
# were handed to preempted vCPUs; 1-7 s since issue 24 (docs/performance.md, scripts/bench-smp).
function(smp_ktest_twice name n)
  set(envs)
  foreach(e ${ARGN})
    list(APPEND envs --env ${e})
  endforeach()
  qemu_test(smp_ktest_twice_${name} --image ${IMG} --env SMP=${n} ${envs} --timeout 580
    --send cpus --send ktest --send ktest --send "poweroff 7"
    --expect "^${n} of ${n} CPUs online$"
    --expect "^ktest smp_cpus_report_their_own_id_and_data +ok$"
    --expect "^ktest smp_calls_run_on_every_cpu +ok$"
    --expect "^ktest smp_remapped_page_seen_by_every_cpu +ok$"
    --expect "^ktest smp_thousand_threads_spread_and_joined +ok$"
    --expect "^ktest smp_pinned_thread_stays_on_its_cpu +ok$"
    --expect "^ktest smp_busy_cpus_share_waiting_threads +ok$"
    --expect "^ktest smp_timers_fire_in_order_on_every_cpu +ok$"
    --expect "^ktest smp_ktimer_cancel_waits_for_a_callback_elsewhere +ok$"
    --expect "${KTEST_OK}(?s:.*)${KTEST_OK}"
    --reject "PANIC" --status ${EXIT7})
  set_tests_properties(${KERNEL_ARCH}.smp_ktest_twice_${name} PROPERTIES TIMEOUT 600)
endfunction()

# More CPUs than SMP_MAX_CPUS (8): the rest are named, eight come up. The
# warning comes from the part of boot that runs after the prompt: it is
# shown as soon as boot finished, above the prompt drawn again, before the
# command typed at the first prompt runs (not held until its Enter).
qemu_test(smp_over_limit --image ${IMG} --env SMP=10
  --send cpus --send "poweroff 7"
  --expect "warning: smp: 2 more CPUs than the kernel's limit of 8 left off\\nkernel> cpus$"
  --expect "^8 of 8 CPUs online$" --reject "PANIC" --status ${EXIT7})

# The watchdog: CPU 1 spins with interrupts masked for 1.5 s against a limit
# of 0.5 s; another CPU names it, with its thread, then its registers and a
# backtrace through the spinning function from the NMI (x86_64: an NMI;
# aarch64 GICv3: the Group 0 SGI taken as FIQ), or (GICv2: no NMI) says why
# there are none; then sees it take interrupts again. The shell, wherever
# it ran, keeps answering; bad arguments are refused. The next command is
# typed once CPU 1 is back: typed at the prompt that came before the
# report, its echo fell between the backtrace's lines. ARGN: more settings.
# The NMI may land in a leaf function spin_masked calls (hal_time_ns()): then
# spin_masked is the "ret" line (the link register), not a numbered frame.
set(WD_NMI "^watchdog: CPU 1 \\(NMI\\): what it is running(?s:.*)^  (#[0-9]+|ret) [0-9a-f]+ spin_masked\\+0x")
set(WD_NO_NMI "error: watchdog: no NMI on this platform: CPU 1's registers cannot be read")
# CPU 1's hardware id is not always 1: riscv64's OpenSBI lets the first hart
# to arrive boot (a lottery), and the kernel's CPU 0 is that hart.
function(smp_watchdog name regs)
  set(envs)
  foreach(e ${ARGN})
    list(APPEND envs --env ${e})
  endforeach()
  qemu_test(smp_watchdog_${name} --image ${IMG} --env SMP=2 ${envs} --timeout 60
    --send "watchdog 500" --send "lockup 1 1500"
    --on "watchdog: CPU 1 takes timer interrupts again" "sleep 100\\r" --send "watchdog"
    --send "watchdog 5" --send "lockup 7 100" --send "lockup 1 0" --send "poweroff 7"
    --expect "^lockup: CPU 1 spins with interrupts masked for 1500 ms$"
    --expect "error: watchdog: CPU 1 \\(id (0|0x[0-9a-f]+)\\) took no timer interrupt for [0-9]+ ms: interrupts masked there, or stuck in a handler. running thread '[^']+' \\([0-9]+\\)$"
    --expect "${regs}"
    --expect "watchdog: CPU 1 takes timer interrupts again$"
    --expect "^watchdog: a CPU silent for 500 ms is reported \\(tick every 100 ms\\)$"
    --expect "^watchdog: '5' is not 'off' or a limit in milliseconds"
    --expect "^lockup: '7' is not a CPU \\(0\\.\\.1\\) \\(EINVAL\\)$" --reject "^(watchdog|lockup): E[A-Z]+$"
    --expect "^lockup: '0' is not a duration in milliseconds"
    --reject "PANIC" --status ${EXIT7})
endfunction()
arch_part(watchdog)

arch_part(smp_cpus)

# Interrupt affinity from the shell: the console's interrupt routed to CPU 1
# (`irqs <irq> <cpu>`), then the keys typed after it are taken there (`irqs`
# shows the route and the CPU that last ran the handler); a per-CPU
# interrupt, a CPU that is not there, a number past the table and words
# are refused, each with its reason.
arch_part(irqs)
qemu_test(smp_irqs_route_from_shell --image ${IMG} --env SMP=2
  --send "irqs ${UART_IRQ} 1" --send "version" --send "irqs" --send "irqs ${PERCPU_IRQ} 1"
  --send "irqs ${UART_IRQ} 2" --send "irqs 70000 0" --send "irqs x 1" --send "irqs ${UART_IRQ} 0"
  --send "poweroff 7"
  --expect "^irq ${UART_IRQ} -> cpu 1$"
  --expect "${UART_ROW}"
  --expect "^irqs: interrupt ${PERCPU_IRQ} is per-CPU: every CPU has its own \\(EINVAL\\)$"
  --expect "^irqs: no such CPU online \\(see `cpus`\\) \\(EINVAL\\)$"
  --expect "^irqs: no such interrupt \\(EINVAL\\)$"
  --expect "^irqs: 'x 1' is not an interrupt number and a CPU \\(EINVAL\\)$"
  --expect "^irq ${UART_IRQ} -> cpu 0$"
  --reject "PANIC" --status ${EXIT7})
