# Sources of kernel/block, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
)
