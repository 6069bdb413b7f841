# Sources of drivers/pci, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  drivers/pci/pci.c
  drivers/pci/pci_enum.c
  drivers/pci/pci_host.c
  drivers/pci/pci_cmds.c
  drivers/pci/pci_edu.c
  drivers/pci/pci_tests.c
)
