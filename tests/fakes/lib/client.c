/*
 * The client of a fake host tool (create-host.mjs), compiled once per run: what the bash client
 * beside it in create-host.mjs does, without starting bash. On the 2-core test machine a bash
 * client took ~9 ms of CPU a call and this ~4 ms; the suite makes ~9,000 calls.
 *
 * Each tool in a host's bin/ is a hard link to (or a copy of) this one program, so it learns
 * which tool it is and whose host from the path it was started by (/proc/self/exe):
 * HOST/bin/TOOL. The daemon's runner passes it no environment to read that from.
 *
 * Protocol (server.mjs): send "<argc>\0<pid>\0<tool>\0<arg1>\0…", read "done <code> <id>\n"
 * and print HOST/io/<id>.out and .err, or "hang <0|1>\n" and block until killed (with 1, a
 * child blocks too, in this process group, as a real tool's grandchild would).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* What the bash client exits with when it cannot reach the tool server (EX_SOFTWARE). */
#define UNREACHABLE 70

static char host[PATH_MAX];
static const char *tool;

static int unreachable(const char *why) {
  dprintf(STDERR_FILENO, "fake %s: %s\n", tool, why);
  return UNREACHABLE;
}

static int write_all(int fd, const char *data, size_t length) {
  while (length > 0) {
    ssize_t n = write(fd, data, length);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    data += n;
    length -= (size_t)n;
  }
  return 0;
}

/* Prints HOST/io/<id>.<extension> to fd; the server writes no file for an empty stream. */
static void print_output(long id, const char *extension, int fd) {
  char path[PATH_MAX + 64];
  snprintf(path, sizeof path, "%s/io/%ld.%s", host, id, extension);
  int file = open(path, O_RDONLY | O_CLOEXEC);
  if (file < 0) return;
  char buffer[65536];
  ssize_t n;
  while ((n = read(file, buffer, sizeof buffer)) > 0)
    if (write_all(fd, buffer, (size_t)n) < 0) break;
  close(file);
}

/* One line from the server, without its newline; -1 when the server went away first. */
static int read_line(int server, char *line, size_t size) {
  size_t used = 0;
  while (used + 1 < size) {
    ssize_t n = read(server, line + used, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    if (line[used] == '\n') break;
    used++;
  }
  line[used] = '\0';
  return 0;
}

/* Blocks until the server closes the connection: a hang ends only when the caller kills it. */
static void block_on(int server) {
  char byte;
  while (read(server, &byte, 1) < 0 && errno == EINTR) {
  }
}

static int connect_to_server(void) {
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/port", host);
  FILE *file = fopen(path, "re");
  int port = 0;
  int found = file != NULL && fscanf(file, "%d", &port) == 1;
  if (file != NULL) fclose(file);
  if (!found) return -1;
  int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (server < 0 || connect(server, (struct sockaddr *)&address, sizeof address) < 0) return -1;
  return server;
}

int main(int argc, char **argv) {
  char self[PATH_MAX];
  ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
  if (length <= 0) return UNREACHABLE;
  self[length] = '\0';
  char *slash = strrchr(self, '/');
  tool = slash + 1;
  *slash = '\0'; /* HOST/bin */
  slash = strrchr(self, '/');
  if (slash == NULL) return unreachable("not in a fake host's bin/");
  *slash = '\0';
  snprintf(host, sizeof host, "%s", self);

  int server = connect_to_server();
  if (server < 0) {
    char why[PATH_MAX + 64];
    snprintf(why, sizeof why, "the tool server of %s is not running", host);
    return unreachable(why);
  }

  size_t size = 64 + strlen(tool);
  for (int i = 1; i < argc; i++) size += strlen(argv[i]) + 1;
  char *request = malloc(size);
  if (request == NULL) return unreachable("out of memory");
  size_t used = (size_t)snprintf(request, size, "%d%c%d%c%s%c", argc - 1, 0, (int)getpid(), 0,
                                 tool, 0);
  for (int i = 1; i < argc; i++) {
    size_t part = strlen(argv[i]) + 1;
    memcpy(request + used, argv[i], part);
    used += part;
  }
  if (write_all(server, request, used) < 0) return unreachable("the tool server went away");
  free(request);

  char line[128], verdict[16];
  long code = 0, id = 0;
  if (read_line(server, line, sizeof line) < 0 ||
      sscanf(line, "%15s %ld %ld", verdict, &code, &id) < 2)
    return unreachable("the tool server went away");

  if (strcmp(verdict, "hang") == 0) {
    if (code == 1) {
      pid_t child = fork();
      if (child == 0) {
        block_on(server);
        _exit(UNREACHABLE);
      }
      char path[PATH_MAX + 64];
      snprintf(path, sizeof path, "%s/pids/%d", host, (int)child);
      FILE *file = fopen(path, "we");
      if (file != NULL) {
        fprintf(file, "%s\n", tool);
        fclose(file);
      }
    }
    block_on(server);
    return UNREACHABLE;
  }
  print_output(id, "out", STDOUT_FILENO);
  print_output(id, "err", STDERR_FILENO);
  return (int)code;
}
