# Host unit tests of the pci code (included by CMakeLists.txt).
