# Exec mode (real child processes for command tasks) and the /sim/ control
# endpoints.
set(SIM_EXEC_TESTS
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_exec_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_executors_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/exec_master_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/process_runner_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/control_test.cpp)
