# riscv64's part "irqs" of tests/qemu/smp.cmake (arch_part()).
# The UART is PLIC source 10; the timer is the hart-local 4096 + 5.
set(UART_IRQ 10)
set(UART_ROW "^ +10 +plic +ns16550 rx +[0-9]+ +1 +1 *$")
set(PERCPU_IRQ 4101)
