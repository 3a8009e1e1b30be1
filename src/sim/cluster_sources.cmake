set(SIM_CLUSTER_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_offers.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_launch.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_tasks.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_exec.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/cluster_state.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/resources.cpp)
