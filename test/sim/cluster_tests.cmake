set(SIM_CLUSTER_TESTS
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_tasks_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_scale_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_robust_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_maintenance_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/maintenance_control_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/resources_test.cpp)
