# Host unit tests of the PCI core (included by CMakeLists.txt).
# Enumeration, BAR sizing and assignment, bridges and capability walks over
# simulated configuration spaces.
host_test(test_pci test_pci.c ${PROJECT_SOURCE_DIR}/drivers/pci/pci_enum.c)
