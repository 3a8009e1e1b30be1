set(SIM_ENDPOINT_TESTS
  ${CMAKE_CURRENT_SOURCE_DIR}/scheduler_endpoint_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/endpoint_checks_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/endpoint_access_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/scheduler_calls_sim_test.cpp)
