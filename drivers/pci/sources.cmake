# Sources of drivers/pci, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  drivers/pci/pci.c
  drivers/pci/pci_enum.c
  drivers/pci/pci_host.c
  drivers/pci/pci_cmds.c
  drivers/pci/pci_edu.c
  drivers/pci/pci_tests.c
)
# A PC's host bridge (MCFG or ports 0xcf8/0xcfc): for the arch that has one
# (it adds the list to ARCH_SOURCES).
set(PCI_PC_SOURCES drivers/pci/pci_pc.c)
