# The scheduler and executor clients: their state machines (no I/O), the
# Beast/Asio driver, and the public connection objects.
target_sources(mesos_http PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/detail/subscription_fsm.cpp
  ${CMAKE_CURRENT_LIST_DIR}/detail/executor_fsm.cpp
  ${CMAKE_CURRENT_LIST_DIR}/io/transport.cpp
  ${CMAKE_CURRENT_LIST_DIR}/io/call_channel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/io/tls_context.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scheduler.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scheduler_stream.cpp
  ${CMAKE_CURRENT_LIST_DIR}/executor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/executor_stream.cpp)
