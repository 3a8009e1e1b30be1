set(SIM_ENDPOINT_TESTS ${CMAKE_CURRENT_SOURCE_DIR}/scheduler_endpoint_test.cpp)
