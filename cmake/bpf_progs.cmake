# eBPF programs for the initrd, compiled by clang-19 -target bpf (the -mcpu=v4
# instructions need it; scripts/deps installs it): ELF objects with their
# maps (bpf/NAME.o, loaded by kernel/bpf/elf.c) and, for programs listed in
# BPF_RAW_PROGS, the bare instructions of their section (NAME.bin) for
# `bpf run NAME.bin`.
find_program(CLANG_BPF NAMES clang-19)
find_program(LLVM_OBJCOPY NAMES llvm-objcopy-19 llvm-objcopy)
if(NOT CLANG_BPF OR NOT LLVM_OBJCOPY)
  message(FATAL_ERROR "eBPF programs need clang-19 and llvm-objcopy: run scripts/deps")
endif()
# Every initrd/bpf/<name>.c is a program, packed as bpf/<name>.o: drop a
# file there and the next build has it (CONFIGURE_DEPENDS re-globs).
file(GLOB bpf_srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/initrd/bpf/*.c)
set(BPF_PROGS)
foreach(src ${bpf_srcs})
  get_filename_component(p ${src} NAME_WE)
  list(APPEND BPF_PROGS ${p})
endforeach()
set(BPF_RAW_PROGS sum:mem) # NAME:section
set(bpf_dir ${CMAKE_BINARY_DIR}/bpf)
file(MAKE_DIRECTORY ${bpf_dir})
foreach(p ${BPF_PROGS})
  set(src ${PROJECT_SOURCE_DIR}/initrd/bpf/${p}.c)
  add_custom_command(OUTPUT ${bpf_dir}/${p}.o
    COMMAND ${CLANG_BPF} -target bpf -O2 -mcpu=v4 -ffreestanding -Wall -Werror
      -I${PROJECT_SOURCE_DIR}/kernel/include -c ${src} -o ${bpf_dir}/${p}.o
    DEPENDS ${src} ${PROJECT_SOURCE_DIR}/initrd/bpf/bpf_prog.h ${PROJECT_SOURCE_DIR}/kernel/include/kernel/bpf_hook.h
    COMMENT "eBPF program initrd/bpf/${p}.c -> bpf/${p}.o" VERBATIM)
  set_property(GLOBAL APPEND PROPERTY INITRD_FILES "bpf/${p}.o=${bpf_dir}/${p}.o")
endforeach()
foreach(spec ${BPF_RAW_PROGS})
  string(REPLACE ":" ";" parts ${spec})
  list(GET parts 0 p)
  list(GET parts 1 sec)
  add_custom_command(OUTPUT ${bpf_dir}/${p}.bin
    COMMAND ${LLVM_OBJCOPY} -O binary --only-section=${sec} ${bpf_dir}/${p}.o ${bpf_dir}/${p}.bin
    DEPENDS ${bpf_dir}/${p}.o VERBATIM)
  set_property(GLOBAL APPEND PROPERTY INITRD_FILES "${p}.bin=${bpf_dir}/${p}.bin")
endforeach()
