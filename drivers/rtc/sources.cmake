# Sources of drivers/rtc, appended to the kernel's portable core (CMakeLists.txt).
list(APPEND CORE_SOURCES
  drivers/rtc/pl031.c
  drivers/rtc/goldfish_rtc.c
  drivers/rtc/mc146818.c
)
