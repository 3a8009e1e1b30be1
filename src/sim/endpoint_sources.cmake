set(SIM_ENDPOINT_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/scheduler_endpoint.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/endpoint_json.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/endpoint_json_message.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/executor_endpoint.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/executor_events.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/executor_token.cpp)
