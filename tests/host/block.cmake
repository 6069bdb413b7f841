# Host unit tests of the block code (included by CMakeLists.txt).
