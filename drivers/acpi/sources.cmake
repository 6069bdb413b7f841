# Sources of drivers/acpi (tables, MADT, S5 power-off, reset), added to the kernel
# when the arch names this folder in ARCH_DRIVER_PARTS.
list(APPEND CORE_SOURCES
  drivers/acpi/acpi_tables.c
  drivers/acpi/acpi_poweroff.c
  drivers/acpi/madt.c
  drivers/acpi/madt_tests.c
  drivers/acpi/acpi_tests.c
)
