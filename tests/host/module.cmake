# Host tests of the module loader (included by CMakeLists.txt): objects for
# every architecture, assembled and compiled here by clang, linked into a
# buffer at the kernel's module address and checked field by field.
set(MODULE_OBJ_DIR ${CMAKE_BINARY_DIR}/module_objs)
set(MODULE_KFLAGS -ffreestanding -fno-builtin -nostdlib -fno-stack-protector -fno-pic -O2
  -I${PROJECT_SOURCE_DIR}/kernel/include -I${PROJECT_SOURCE_DIR}/hal/include)
set(module_objs)
foreach(a x86_64 aarch64 riscv64)
  # aflags: the kernel's code-generation flags for the arch (arch/<a>/CMakeLists.txt);
  # asflags: what reloc_<a>.s needs of them
  set(triple ${a}-none-elf)
  set(asflags)
  if(a STREQUAL "x86_64")
    set(aflags -mno-red-zone -mno-sse -mcmodel=kernel)
  elseif(a STREQUAL "aarch64")
    set(aflags -mgeneral-regs-only -mstrict-align)
  else()
    set(triple riscv64-unknown-elf)
    set(asflags -march=rv64imac -mabi=lp64 -mno-relax)
    set(aflags -march=rv64imac -mabi=lp64 -mcmodel=medany -mno-relax -msmall-data-limit=0)
  endif()
  add_custom_command(OUTPUT ${MODULE_OBJ_DIR}/reloc_${a}.o
    COMMAND ${CMAKE_COMMAND} -E make_directory ${MODULE_OBJ_DIR}
    COMMAND ${CMAKE_C_COMPILER} --target=${triple} ${asflags} -c ${CMAKE_CURRENT_SOURCE_DIR}/modules/reloc_${a}.s
      -o ${MODULE_OBJ_DIR}/reloc_${a}.o
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/modules/reloc_${a}.s VERBATIM)
  add_custom_command(OUTPUT ${MODULE_OBJ_DIR}/hello_${a}.o
    COMMAND ${CMAKE_COMMAND} -E make_directory ${MODULE_OBJ_DIR}
    COMMAND ${CMAKE_C_COMPILER} --target=${triple} ${MODULE_KFLAGS} ${aflags} -c
      ${PROJECT_SOURCE_DIR}/modules/hello/hello.c -o ${MODULE_OBJ_DIR}/hello_${a}.o
    DEPENDS ${PROJECT_SOURCE_DIR}/modules/hello/hello.c VERBATIM)
  add_custom_command(OUTPUT ${MODULE_OBJ_DIR}/named_${a}.o
    COMMAND ${CMAKE_COMMAND} -E make_directory ${MODULE_OBJ_DIR}
    COMMAND ${CMAKE_C_COMPILER} --target=${triple} ${MODULE_KFLAGS} ${aflags} -c
      ${CMAKE_CURRENT_SOURCE_DIR}/modules/named.c -o ${MODULE_OBJ_DIR}/named_${a}.o
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/modules/named.c VERBATIM)
  list(APPEND module_objs ${MODULE_OBJ_DIR}/reloc_${a}.o ${MODULE_OBJ_DIR}/hello_${a}.o
    ${MODULE_OBJ_DIR}/named_${a}.o)
endforeach()
add_custom_target(host_module_objs DEPENDS ${module_objs})
# module.c with every architecture's relocations: each is checked here
set(MODULE_HOST_SOURCES ${PROJECT_SOURCE_DIR}/kernel/module/module.c
  ${PROJECT_SOURCE_DIR}/arch/x86_64/module_reloc.c ${PROJECT_SOURCE_DIR}/arch/aarch64/module_reloc.c
  ${PROJECT_SOURCE_DIR}/arch/riscv64/module_reloc.c
  ${KMALLOC_HOST_SOURCES}
  ${PROJECT_SOURCE_DIR}/kernel/lib/format.c ${PROJECT_SOURCE_DIR}/kernel/lib/errno.c
  ${PROJECT_SOURCE_DIR}/arch/host/host_jit.c)
host_test(test_module test_module.c ${MODULE_HOST_SOURCES})
add_dependencies(test_module host_module_objs)
target_link_options(test_module PRIVATE ${FAIL_INJECT_LINK_FLAGS})
target_compile_definitions(test_module PRIVATE MODULE_OBJ_DIR="${MODULE_OBJ_DIR}")
