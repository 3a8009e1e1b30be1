set(SIM_CLUSTER_TESTS
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_tasks_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_scale_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_robust_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/resources_test.cpp)
