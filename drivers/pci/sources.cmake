# Sources of drivers/pci, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
)
