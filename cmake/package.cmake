# The Debian package (`make deb`: cpack -G DEB in the release build) and the
# install rules it is made from. Included by CMakeLists.txt after the ftz
# target; not in fuzz builds. Tests, benchmarks and fuzzers have no install
# rule: only what is listed here is in the package.
#
#   /usr/bin/ftz
#   /lib/systemd/system/ftz-aggregate@.service, ftz-spool@.service
#   /usr/lib/sysusers.d/ftz.conf             the system user ftz (postinst makes it)
#   /usr/share/ftz-pipeline/schemas/         the Avro schemas (also embedded in ftz)
#   /usr/share/man/man1/ftz*.1.gz            from each command's --help (docs/gen-man.sh)
#   /usr/share/doc/ftz-pipeline/             README.md, docs/, examples/, copyright, changelog.gz

set(FTZ_SYSTEMD_UNIT_DIR "/lib/systemd/system" CACHE PATH
    "Where the package installs the systemd units (absolute)")
set(FTZ_SYSUSERS_DIR "/usr/lib/sysusers.d" CACHE PATH
    "Where the package installs the sysusers.d file (absolute)")
set(FTZ_PACKAGE_MAINTAINER
    "ftz-pipeline maintainers <maintainers@users.noreply.r-seed-04dfc354.example>"
    CACHE STRING "Maintainer field of the Debian package")

set(FTZ_DEB_DIR ${CMAKE_SOURCE_DIR}/deploy/debian)
set(FTZ_DOC_DIR share/doc/ftz-pipeline)

# A sanitized binary (Debug, FTZ_SANITIZE) is not for installing: such a
# build gets no man pages and cpack refuses it (cmake/cpack-options.cmake).
if(CMAKE_BUILD_TYPE STREQUAL "Debug" OR FTZ_SANITIZE)
  set(FTZ_PACKAGE_REFUSED "this build is sanitized (CMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}, FTZ_SANITIZE=${FTZ_SANITIZE}): package a release build (make deb)")
else()
  set(FTZ_PACKAGE_REFUSED "")
endif()

# The changelog's newest entry must be this version.
file(STRINGS ${FTZ_DEB_DIR}/changelog FTZ_CHANGELOG_HEAD LIMIT_COUNT 1)
if(NOT FTZ_CHANGELOG_HEAD MATCHES "^ftz-pipeline \\(${PROJECT_VERSION}\\) ")
  set(FTZ_PACKAGE_REFUSED "deploy/debian/changelog starts with \"${FTZ_CHANGELOG_HEAD}\", not version ${PROJECT_VERSION}: add an entry for it")
  message(WARNING "${FTZ_PACKAGE_REFUSED}")
endif()

# Man pages: generated from --help at build time (help2man, make deps).
find_program(FTZ_HELP2MAN help2man)
if(NOT FTZ_PACKAGE_REFUSED)
  if(FTZ_HELP2MAN)
    add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/man/stamp
      COMMAND bash ${CMAKE_SOURCE_DIR}/docs/gen-man.sh $<TARGET_FILE:ftz> ${CMAKE_BINARY_DIR}/man
      COMMAND ${CMAKE_COMMAND} -E touch ${CMAKE_BINARY_DIR}/man/stamp
      DEPENDS ftz ${CMAKE_SOURCE_DIR}/docs/gen-man.sh
      COMMENT "Generating the man pages from --help (docs/gen-man.sh)" VERBATIM)
    add_custom_target(ftz_man ALL DEPENDS ${CMAKE_BINARY_DIR}/man/stamp)
    install(DIRECTORY ${CMAKE_BINARY_DIR}/man/ DESTINATION share/man/man1
            FILES_MATCHING PATTERN "*.1.gz")
  else()
    set(FTZ_PACKAGE_REFUSED "help2man was not found when this build was configured (no man pages): make deps, then cmake -S . -B build again")
    message(WARNING "help2man not found: no man pages, no package (make deps installs it)")
  endif()
endif()

# The Debian changelog, gzipped as lintian wants it (-9n: no name, no time).
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/debian/changelog.gz
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/debian
  COMMAND sh -c "gzip -9n < '${FTZ_DEB_DIR}/changelog' > '${CMAKE_BINARY_DIR}/debian/changelog.gz'"
  DEPENDS ${FTZ_DEB_DIR}/changelog VERBATIM)
add_custom_target(ftz_changelog ALL DEPENDS ${CMAKE_BINARY_DIR}/debian/changelog.gz)

install(TARGETS ftz RUNTIME DESTINATION bin)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/systemd/ftz-aggregate@.service
              ${CMAKE_SOURCE_DIR}/deploy/systemd/ftz-spool@.service
        DESTINATION ${FTZ_SYSTEMD_UNIT_DIR})
install(FILES ${CMAKE_SOURCE_DIR}/deploy/systemd/ftz.sysusers
        DESTINATION ${FTZ_SYSUSERS_DIR} RENAME ftz.conf)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/schemas/ DESTINATION share/ftz-pipeline/schemas
        FILES_MATCHING PATTERN "*.avsc")
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${FTZ_DEB_DIR}/copyright
              ${CMAKE_BINARY_DIR}/debian/changelog.gz
        DESTINATION ${FTZ_DOC_DIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${FTZ_DOC_DIR}/docs
        FILES_MATCHING PATTERN "*.md" PATTERN "*.png")
install(DIRECTORY ${CMAKE_SOURCE_DIR}/deploy/etc/ DESTINATION ${FTZ_DOC_DIR}/examples)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/monitoring/README.md
              ${CMAKE_SOURCE_DIR}/deploy/monitoring/prometheus.yml
              ${CMAKE_SOURCE_DIR}/deploy/monitoring/alerts.yml
        DESTINATION ${FTZ_DOC_DIR}/examples/monitoring)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/monitoring/grafana/ftz-pipeline.json
        DESTINATION ${FTZ_DOC_DIR}/examples/monitoring/grafana)

# CPack: one Debian package, ftz-pipeline_VERSION_ARCH.deb.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ftz-pipeline)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGE_CONTACT "${FTZ_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "exact trade-event pipeline of the Liaoning Pilot Free Trade Zone")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${FTZ_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# adduser: the postinst makes the system user ftz with it.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
# The long description (CPack puts the summary first, indents the lines and
# makes the empty line a " ." paragraph break).
set(CPACK_PACKAGE_DESCRIPTION "ftz-pipeline turns the FTZ systems' exports (customs declarations,
China-Europe rail events, company registrations) into Avro records on
Kafka, validates every record, dead-letters the bad ones with a reason
and aggregates the good ones into PostgreSQL exactly once.

This package has the ftz command, systemd units for consumer-group
members (ftz-aggregate@.service) and spool ingesters
(ftz-spool@.service) running as the system user ftz, the Avro schemas,
the manual pages and the documentation with example configuration.")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${FTZ_DEB_DIR}/postinst ${FTZ_DEB_DIR}/prerm ${FTZ_DEB_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# Checks at cpack time (a sanitized build, no man pages).
configure_file(${CMAKE_SOURCE_DIR}/cmake/cpack-options.cmake.in
               ${CMAKE_BINARY_DIR}/cpack-options.cmake @ONLY)
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_BINARY_DIR}/cpack-options.cmake)
include(CPack)
