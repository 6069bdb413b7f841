# The initrd: a newc cpio archive of the files other parts of the build
# register (modules, eBPF programs, test files), packed by scripts/mkinitrd.py.
# Register one with
#   set_property(GLOBAL APPEND PROPERTY INITRD_FILES "name/in/archive=/abs/path")
#   set_property(GLOBAL APPEND PROPERTY INITRD_DEPENDS <target-or-file>)
# aarch64 boots it with QEMU's -initrd (scripts/qemu finds initrd.cpio next
# to the image); x86_64 GRUB loads it as a Multiboot2 module (image.cmake).
set_property(GLOBAL APPEND PROPERTY INITRD_FILES "hello.txt=${PROJECT_SOURCE_DIR}/initrd/hello.txt")
# The one user there is (programs that name users, like ls -l and ps, read these).
set_property(GLOBAL APPEND PROPERTY INITRD_FILES "etc/passwd=${PROJECT_SOURCE_DIR}/initrd/etc/passwd")
set_property(GLOBAL APPEND PROPERTY INITRD_FILES "etc/group=${PROJECT_SOURCE_DIR}/initrd/etc/group")
# /usr as programs expect it: scripts name /usr/bin/env, bash's tests cd and
# pushd to /usr. One tree of programs, /bin, seen through both names.
set_property(GLOBAL APPEND PROPERTY INITRD_FILES "usr/bin->../bin")
# More files from the command line: -DINITRD_EXTRA="bin/busybox=/path/to/busybox;..."
set(INITRD_EXTRA "" CACHE STRING "name=path pairs added to the initrd")
foreach(spec ${INITRD_EXTRA})
  set_property(GLOBAL APPEND PROPERTY INITRD_FILES "${spec}")
endforeach()
get_property(initrd_files GLOBAL PROPERTY INITRD_FILES)
get_property(initrd_deps GLOBAL PROPERTY INITRD_DEPENDS)
set(initrd_paths)
foreach(spec ${initrd_files})
  if(NOT spec MATCHES "->") # a file (links name no file: their lists are INITRD_DEPENDS)
    string(REGEX REPLACE "^[^=]*=" "" p "${spec}")
    list(APPEND initrd_paths ${p})
  endif()
endforeach()
set(INITRD ${CMAKE_BINARY_DIR}/initrd.cpio)
add_custom_command(OUTPUT ${INITRD}
  COMMAND python3 ${PROJECT_SOURCE_DIR}/scripts/mkinitrd.py ${INITRD} ${initrd_files}
  DEPENDS ${PROJECT_SOURCE_DIR}/scripts/mkinitrd.py ${initrd_paths} ${initrd_deps} VERBATIM)
add_custom_target(initrd ALL DEPENDS ${INITRD})
