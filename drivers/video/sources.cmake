# Sources of drivers/video: the framebuffer text console's renderer, portable
# (the host tests run it on memory: tests/host/test_fbcon.c), and the driver
# that puts it on the framebuffer the boot protocol set up, with Debian's
# console font turned into C (scripts/psf2c.py; scripts/deps run fetches it).
list(APPEND CORE_SOURCES
  drivers/video/fbcon.c
)
set(FBCON_PSF ${PROJECT_SOURCE_DIR}/.deps/consolefonts/Uni2-Terminus16.psf.gz)
if(EXISTS ${FBCON_PSF})
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/fbcon_font.c
    COMMAND python3 ${PROJECT_SOURCE_DIR}/scripts/psf2c.py ${FBCON_PSF} ${CMAKE_BINARY_DIR}/fbcon_font.c
    DEPENDS ${PROJECT_SOURCE_DIR}/scripts/psf2c.py ${FBCON_PSF} VERBATIM)
  list(APPEND CORE_SOURCES drivers/video/bootfb.c drivers/video/ramfb.c drivers/video/bochs.c drivers/video/screen_tests.c ${CMAKE_BINARY_DIR}/fbcon_font.c)
else()
  message(WARNING "no ${FBCON_PSF} (scripts/deps run fetches it): the kernel is built without a console on the framebuffer")
endif()
