# The simulated master at the issue's scale over loopback (100 frameworks,
# 10,000 tasks).
set(SIM_SCALE_TESTS
  ${CMAKE_CURRENT_SOURCE_DIR}/master_scale_test.cpp)
