# aarch64's part "irqs" of tests/qemu/smp.cmake (arch_part()).
set(UART_IRQ 33)
set(UART_ROW "^ +33 +gicv3 +pl011 rx +[0-9]+ +1 +1 *$")
set(PERCPU_IRQ 27)
