# Host unit tests of the PCI core (included by CMakeLists.txt).
# Enumeration, BAR sizing and assignment, bridges and capability walks over
# simulated configuration spaces.
host_test(test_pci test_pci.c ${PROJECT_SOURCE_DIR}/drivers/pci/pci_enum.c)
# The register windows (kernel/iomem.h) the PCI core's ECAM, BARs and MSI-X
# tables and the GIC's frames are reached through: every accessor on its
# bytes, sub-windows, and the checked build's trap on an access outside its
# window (run in a child process).
host_test(test_iomem test_iomem.c)
