# CPack (DEB) runs this in the staging tree after the install rules and before
# it makes the package: what Debian policy asks for beyond `cmake --install`.
#   - manual pages compressed with gzip -9n (policy 12.1)
#   - /usr/share/doc/srcbind/changelog.Debian.gz (policy 12.7)
#   - /usr/share/lintian/overrides/srcbind, each override explained there
include(${CPACK_PROJECT_CONFIG_FILE})
set(root "${CPACK_TEMPORARY_INSTALL_DIRECTORY}")
if(NOT EXISTS "${root}${CPACK_PACKAGING_INSTALL_PREFIX}")
  message(FATAL_ERROR "deb-staging.cmake: no staging tree at ${root}${CPACK_PACKAGING_INSTALL_PREFIX}")
endif()
set(prefix "${root}${CPACK_PACKAGING_INSTALL_PREFIX}")

find_program(GZIP gzip REQUIRED)
file(GLOB_RECURSE pages "${prefix}/${SRCBIND_INSTALL_MANDIR}/*.[1-9]")
foreach(page IN LISTS pages)
  execute_process(COMMAND ${GZIP} -9nf "${page}" COMMAND_ERROR_IS_FATAL ANY)
endforeach()

set(doc "${prefix}/${SRCBIND_INSTALL_DOCDIR}")
file(COPY_FILE "${SRCBIND_DEBIAN_DIR}/changelog" "${doc}/changelog.Debian")
execute_process(COMMAND ${GZIP} -9nf "${doc}/changelog.Debian" COMMAND_ERROR_IS_FATAL ANY)

if(EXISTS "${SRCBIND_DEBIAN_DIR}/lintian-overrides")
  file(MAKE_DIRECTORY "${prefix}/${SRCBIND_INSTALL_DATADIR}/lintian/overrides")
  file(COPY_FILE "${SRCBIND_DEBIAN_DIR}/lintian-overrides" "${prefix}/${SRCBIND_INSTALL_DATADIR}/lintian/overrides/srcbind")
endif()
