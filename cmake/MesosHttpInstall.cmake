# Install and export rules: headers (ours and the generated Mesos protobuf
# headers), the library, the mesos-http tool, the .proto files, a CMake
# package (MesosHttpConfig.cmake + version file) and a pkg-config file.

set(MESOS_HTTP_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/MesosHttp")

install(TARGETS mesos_http mesos_http_sim
  EXPORT MesosHttpTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/mesos_http
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

foreach(proto IN LISTS MESOS_HTTP_PROTOS)
  string(REGEX REPLACE "\\.proto$" ".pb.h" header "${proto}")
  get_filename_component(subdir "${proto}" DIRECTORY)
  install(FILES "${MESOS_HTTP_PROTO_OUT}/${header}"
    DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/${subdir}")
  install(FILES "${PROJECT_SOURCE_DIR}/proto/${proto}"
    DESTINATION "${CMAKE_INSTALL_DATADIR}/mesos_http/proto/${subdir}")
endforeach()

if(MESOS_HTTP_BUILD_TOOL)
  install(TARGETS mesos_http_tool RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(EXPORT MesosHttpTargets
  NAMESPACE MesosHttp::
  DESTINATION ${MESOS_HTTP_CMAKE_DIR})

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/MesosHttpConfig.cmake.in
  ${PROJECT_BINARY_DIR}/MesosHttpConfig.cmake
  INSTALL_DESTINATION ${MESOS_HTTP_CMAKE_DIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/MesosHttpConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/MesosHttpConfig.cmake
  ${PROJECT_BINARY_DIR}/MesosHttpConfigVersion.cmake
  DESTINATION ${MESOS_HTTP_CMAKE_DIR})

configure_file(${PROJECT_SOURCE_DIR}/cmake/mesos_http.pc.in
  ${PROJECT_BINARY_DIR}/mesos_http.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/mesos_http.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
