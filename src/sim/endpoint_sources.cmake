set(SIM_ENDPOINT_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/scheduler_endpoint.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/endpoint_json.cpp)
