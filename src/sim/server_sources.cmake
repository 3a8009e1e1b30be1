set(SIM_SERVER_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/agent_server.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/ensemble.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/master.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/master_control.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/master_session.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/process_runner.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/shared_cluster.cpp)
