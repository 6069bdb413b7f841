# Host unit tests of the virtio code (included by CMakeLists.txt).
# Split virtqueues against a simulated device; the test provides the heap
# and DMA memory (host pointers as bus addresses) and klog.
host_test(test_virtq test_virtq.c ${PROJECT_SOURCE_DIR}/drivers/virtio/virtq.c)
