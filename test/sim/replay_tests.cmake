set(SIM_REPLAY_TESTS ${CMAKE_CURRENT_SOURCE_DIR}/replay_session_test.cpp)
