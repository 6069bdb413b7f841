# Sources of drivers/acpi (tables, MADT, SPCR/GTDT/MCFG/FADT, S5 power-off,
# reset, the MCFG's PCI hosts), added to the kernel when the arch names this
# folder in ARCH_DRIVER_PARTS.
list(APPEND CORE_SOURCES
  drivers/acpi/acpi_tables.c
  drivers/acpi/acpi_poweroff.c
  drivers/acpi/devices.c
  drivers/acpi/madt.c
  drivers/acpi/pci_mcfg.c
  drivers/acpi/madt_tests.c
  drivers/acpi/acpi_tests.c
)
