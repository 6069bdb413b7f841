# x86_64's part "irqs" of tests/qemu/smp.cmake (arch_part()).
set(UART_IRQ 4)
set(UART_ROW "^ +4 +ioapic +ns16550 rx +[0-9]+ +1 +1 *$")
set(PERCPU_IRQ 208)
