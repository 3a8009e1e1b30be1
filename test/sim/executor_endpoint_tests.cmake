# The agent's /api/v1/executor checks (sim::check_executor_request) and the
# agent -> executor event encoding, against the real agent's recordings.
list(APPEND SIM_ENDPOINT_TESTS
  ${CMAKE_CURRENT_SOURCE_DIR}/executor_endpoint_checks_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/executor_endpoint_auth_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/executor_endpoint_replay_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/executor_events_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/agent_server_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/raw_http_test.cpp)
