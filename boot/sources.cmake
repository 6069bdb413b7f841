# Sources of boot, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  boot/bootinfo.c
  boot/efi_mmap.c
)
# The boot protocols, each for the archs entered through it (they add the
# list to ARCH_SOURCES): a device tree (arm64 Image), Multiboot2 (GRUB),
# the image as an EFI application (boot/efi.h: the arch gives the PE header
# and two routines of assembly).
set(BOOT_DEVICETREE_SOURCES boot/devicetree.c boot/dt_boot.c)
set(BOOT_MULTIBOOT2_SOURCES boot/multiboot2.c)
set(BOOT_EFI_STUB_SOURCES boot/efi.c boot/efi_stub.c)
