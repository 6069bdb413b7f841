# Sources of boot, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  boot/bootinfo.c
)
# The boot protocols, each for the archs entered through it (they add the
# list to ARCH_SOURCES): a device tree (arm64 Image), Multiboot2 (GRUB).
set(BOOT_DEVICETREE_SOURCES boot/devicetree.c boot/dt_boot.c)
set(BOOT_MULTIBOOT2_SOURCES boot/multiboot2.c)
