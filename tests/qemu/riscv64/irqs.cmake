# riscv64's part "irqs" of tests/qemu/smp.cmake (arch_part()).
# The UART is PLIC source 10; the timer is the hart-local 4096 + 5.
set(UART_IRQ 10)
set(UART_ROW "^ +10 +plic +ns16550 rx +[0-9]+ +1 +1 *$")
set(PERCPU_IRQ 4101)
# The same routing on AIA: the APLIC's target register names the hart's
# IMSIC file (the shared test above runs on the PLIC, whose started harts'
# contexts OpenSBI closes until the kernel opens them again).
qemu_test(smp_irqs_route_aia --image ${IMG} --env SMP=2 --env MACHINE=virt,aia=aplic-imsic
  --send "irqs 10 1" --send "version" --send "irqs" --send "irqs 10 0" --send "version"
  --send "poweroff 7"
  --expect "^irq 10 -> cpu 1$" --expect "^ +10 +aplic +ns16550 rx +[0-9]+ +1 +1 *$"
  --expect "^irq 10 -> cpu 0$" --reject "PANIC" --status ${EXIT7})
