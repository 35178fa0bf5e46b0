// Points file descriptor 2 at /dev/null and back. TensorFlow 2.21's library prints start-up notices
// (absl's "All log messages before absl::InitializeLog()" and oneDNN's) from its static initialisers
// while it is being loaded, before TF_CPP_MIN_LOG_LEVEL is read, so the engine silences stderr for the
// moment the library loads (engine/backend/stderr-guard.ts). N-API: one build serves Node and Electron.
#include <fcntl.h>
#include <node_api.h>
#include <stdio.h>
#include <unistd.h>

static int saved = -1;

static napi_value Silence(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  if (saved < 0) {
    fflush(stderr);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
      saved = dup(2);
      dup2(devnull, 2);
      close(devnull);
    }
  }
  napi_get_boolean(env, saved >= 0, &result);
  return result;
}

static napi_value Restore(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  int restored = saved >= 0;
  if (restored) {
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    saved = -1;
  }
  napi_get_boolean(env, restored, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "silence", NAPI_AUTO_LENGTH, Silence, NULL, &fn);
  napi_set_named_property(env, exports, "silence", fn);
  napi_create_function(env, "restore", NAPI_AUTO_LENGTH, Restore, NULL, &fn);
  napi_set_named_property(env, exports, "restore", fn);
  return exports;
}
