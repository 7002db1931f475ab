/*
 * voxnix-spawn: starts the daemon's host commands on its behalf, with posix_spawn.
 *
 * Node starts a child with fork(): the kernel copies the page tables of the daemon's whole heap,
 * and every page the daemon writes afterwards faults once to be made writable again. That is
 * milliseconds of CPU per host call from a large heap, spent on the event loop that answers the
 * chats, and the child pays again tearing its copy down in execve. This process is small, and
 * glibc's posix_spawn shares its memory with the child until execve (CLONE_VFORK), so a command
 * costs neither. The daemon keeps one of these running (spawn-helper.ts) and talks to it over
 * its stdin and stdout.
 *
 * Frames, both ways: u32 size of the rest, u32 call id, u8 type, payload; integers
 * little-endian. No frame is larger than MAX_FRAME.
 *   daemon → helper
 *     'S' start   u32 argc, u32 envc, u8 has_input, then argc + envc NUL-terminated strings
 *                 (argv[0] is the binary, looked up on the PATH among the env strings, as
 *                 execvpe does)
 *     'I' input   the next bytes of its stdin, when has_input; an empty one closes it
 *     'C' close   stop reading the call's output: what came so far is all of it
 *   helper → daemon
 *     'P' started i32 pid: the leader of a new session and process group
 *     'F' failed  i32 errno: it never started, and nothing more comes for this call
 *     'O' / 'E'   bytes the command wrote to stdout / stderr
 *     'X' exited  i32 exit code (-1 when a signal ended it), i32 signal (0 when none)
 *     'D' drained both output streams closed (or 'C' came): no more 'O' or 'E'
 * A started call ends with both 'X' and 'D', in either order. `voxnix-spawn --protocol` prints
 * the version of this protocol, which the daemon checks before it starts one for good.
 *
 * Descriptor 3 is the daemon's "kill them all", as it exits: a u32, the id of the last call it
 * has sent, written synchronously by its exit handler on a pipe nothing else writes to (so it
 * can neither land inside a frame nor find the pipe full). It SIGKILLs the process group of
 * every command running, including those whose 'P' the daemon has not read yet, and fails
 * ('F' ECANCELED) the starts up to that id still to be read from stdin, which may come after.
 *
 * A command runs as Node's detached spawn would run it: its own session, default signal
 * dispositions, nothing blocked, stdin the input or /dev/null, no descriptor of ours. When the
 * daemon goes away (its end of stdin closes), this process exits and leaves its commands
 * running, as a forked command outlives a daemon killed outright: a daemon that exits kills its
 * commands itself (descriptor 3), and reconcile tells a dead holder's running commands from
 * finished ones.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROTOCOL_VERSION 3
/* Where the daemon's exit is announced (see above). */
#define EXIT_FD 3
/* Larger is a bug on the other side: a command line is at most a few MiB (ARG_MAX). */
#define MAX_FRAME (64u << 20)
#define CHUNK 65536

struct call {
  uint32_t id;
  pid_t pid;
  int out, err, in; /* our ends of its pipes, -1 once closed */
  /* Input received and not yet written: input[input_at, input_end). */
  char *input;
  size_t input_at, input_end, input_capacity;
  bool input_ended; /* its empty 'I' came: close stdin once the rest is written */
  bool exited, drained;
};

static struct call *calls;
static size_t call_count, call_capacity;
/* Calls up to this id were sent before the daemon killed them all: none of them starts. */
static uint32_t cancelled_through;

static void die(const char *what) {
  dprintf(STDERR_FILENO, "voxnix-spawn: %s: %s\n", what, strerror(errno));
  exit(70);
}

static void protocol_error(const char *what) {
  errno = EPROTO;
  die(what);
}

static void *grow(void *memory, size_t size) {
  void *grown = realloc(memory, size);
  if (grown == NULL && size > 0) die("out of memory");
  return grown;
}

/* ---- events ------------------------------------------------------------------------------- */

static void put_u32(unsigned char *at, uint32_t value) {
  for (int i = 0; i < 4; i++) at[i] = (unsigned char)(value >> (8 * i));
}

static uint32_t get_u32(const unsigned char *at) {
  return (uint32_t)at[0] | (uint32_t)at[1] << 8 | (uint32_t)at[2] << 16 | (uint32_t)at[3] << 24;
}

static void write_all(const unsigned char *data, size_t length) {
  while (length > 0) {
    ssize_t n = write(STDOUT_FILENO, data, length);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) exit(0); /* the daemon is gone (its exit byte, if any, waits on EXIT_FD) */
    data += n;
    length -= (size_t)n;
  }
}

static void send_event(uint32_t id, char type, const void *payload, size_t size) {
  unsigned char head[9];
  put_u32(head, (uint32_t)(5 + size));
  put_u32(head + 4, id);
  head[8] = (unsigned char)type;
  write_all(head, sizeof head);
  if (size > 0) write_all(payload, size);
}

static void send_ints(uint32_t id, char type, int32_t first, int32_t second, int count) {
  unsigned char payload[8];
  put_u32(payload, (uint32_t)first);
  put_u32(payload + 4, (uint32_t)second);
  send_event(id, type, payload, (size_t)count * 4);
}

/* ---- calls -------------------------------------------------------------------------------- */

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

static struct call *find(uint32_t id) {
  for (size_t i = 0; i < call_count; i++)
    if (calls[i].id == id) return &calls[i];
  return NULL;
}

static void finish_if_done(struct call *call) {
  if (!call->exited || !call->drained) return;
  close_fd(&call->in);
  free(call->input);
  *call = calls[--call_count];
}

static void drain(struct call *call) {
  close_fd(&call->out);
  close_fd(&call->err);
  if (!call->drained) {
    call->drained = true;
    send_event(call->id, 'D', NULL, 0);
  }
  finish_if_done(call);
}

/* ---- starting a command ------------------------------------------------------------------- */

static bool retry_next_directory(int error) {
  /* As glibc's execvpe: these mean "not here", anything else is the answer. */
  return error == ENOENT || error == ENOTDIR || error == EACCES || error == ESTALE ||
         error == ENODEV || error == ETIMEDOUT;
}

/* posix_spawn of `path`, and as execvpe does for a file the kernel will not run (a script
 * without #!), of /bin/sh with it. */
static int spawn_file(pid_t *pid, const char *path, char *const argv[], char *const envp[],
                      const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *attr) {
  int error = posix_spawn(pid, path, actions, attr, argv, envp);
  if (error != ENOEXEC) return error;
  size_t argc = 0;
  while (argv[argc] != NULL) argc++;
  char **shell = grow(NULL, (argc + 2) * sizeof *shell);
  shell[0] = "/bin/sh";
  shell[1] = (char *)path;
  memcpy(shell + 2, argv + 1, argc * sizeof *shell); /* argv[1..], and its NULL */
  error = posix_spawn(pid, "/bin/sh", actions, attr, shell, envp);
  free(shell);
  return error;
}

/* posix_spawn with execvpe's search of the command's own PATH (not ours). */
static int spawn_on_path(pid_t *pid, char *const argv[], char *const envp[],
                         const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *attr) {
  const char *file = argv[0];
  if (strchr(file, '/') != NULL) return spawn_file(pid, file, argv, envp, actions, attr);
  const char *path = "/bin:/usr/bin"; /* execvpe's, when the environment has no PATH */
  for (char *const *entry = envp; *entry != NULL; entry++)
    if (strncmp(*entry, "PATH=", 5) == 0) path = *entry + 5;
  size_t file_length = strlen(file);
  bool denied = false;
  int error = ENOENT;
  for (const char *start = path;; start++) {
    const char *end = strchrnul(start, ':');
    size_t dir_length = (size_t)(end - start);
    char *candidate = grow(NULL, dir_length + file_length + 3);
    /* An empty entry is the current directory, as it is for execvpe. */
    if (dir_length == 0)
      memcpy(candidate, ".", (dir_length = 1));
    else
      memcpy(candidate, start, dir_length);
    candidate[dir_length] = '/';
    memcpy(candidate + dir_length + 1, file, file_length + 1);
    error = spawn_file(pid, candidate, argv, envp, actions, attr);
    free(candidate);
    if (error == 0 || !retry_next_directory(error)) return error;
    if (error == EACCES) denied = true;
    if (*end == '\0') break;
    start = end;
  }
  return denied ? EACCES : error;
}

/*
 * Every signal, glibc's own two included. sigfillset leaves out the signals glibc keeps for
 * itself (32 and 33, below SIGRTMIN), and its posix_spawn then sets those to ignored in the
 * child, an ignore that every descendant inherits through execve; Node's fork leaves them at
 * their defaults, and so does this (sigset_t is glibc's bit array: signal n is bit n - 1).
 */
static void every_signal(sigset_t *set) {
  sigfillset(set);
  const size_t word = 8 * sizeof(unsigned long);
  for (int sig = 32; sig < SIGRTMIN; sig++)
    ((unsigned long *)set)[(sig - 1) / word] |= 1UL << ((sig - 1) % word);
}

static void set_nonblocking(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Pipes for a command's stdout, stderr and (with input) stdin; an errno when it cannot have
 * them (EMFILE: too many calls at once), which fails only this call. */
static int make_pipes(int out[2], int err[2], int in[2], bool has_input) {
  out[0] = out[1] = err[0] = err[1] = in[0] = in[1] = -1;
  if (pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0 &&
      (!has_input || pipe2(in, O_CLOEXEC) == 0))
    return 0;
  int error = errno;
  for (int i = 0; i < 2; i++) {
    close_fd(&out[i]);
    close_fd(&err[i]);
    close_fd(&in[i]);
  }
  return error;
}

static void start(uint32_t id, const unsigned char *payload, size_t size) {
  if (size < 9) protocol_error("short start request");
  uint32_t argc = get_u32(payload), envc = get_u32(payload + 4);
  bool has_input = payload[8] != 0;
  const char *cursor = (const char *)payload + 9, *limit = (const char *)payload + size;
  if (argc == 0 || argc > size || envc > size) protocol_error("bad start request");
  char **strings = grow(NULL, (argc + envc + 2) * sizeof *strings);
  char **argv = strings, **envp = strings + argc + 1;
  for (uint32_t i = 0; i < argc + envc; i++) {
    const char *nul = memchr(cursor, '\0', (size_t)(limit - cursor));
    if (nul == NULL) protocol_error("unterminated string in a start request");
    /* argv, its NULL, then envp: pointers into the request, which outlives the spawn. */
    strings[i < argc ? i : i + 1] = (char *)cursor;
    cursor = nul + 1;
  }
  argv[argc] = NULL;
  envp[envc] = NULL;

  int out[2], err[2], in[2];
  int error = id <= cancelled_through ? ECANCELED : make_pipes(out, err, in, has_input);
  pid_t pid = 0;
  if (error == 0) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (has_input)
      posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    else
      posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    every_signal(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
    error = spawn_on_path(&pid, argv, envp, &actions, &attr);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    close_fd(&out[1]);
    close_fd(&err[1]);
    close_fd(&in[0]);
  }
  free(strings);
  if (error != 0) {
    close_fd(&out[0]);
    close_fd(&err[0]);
    close_fd(&in[1]);
    send_ints(id, 'F', error, 0, 1);
    return;
  }
  if (call_count == call_capacity) {
    call_capacity = call_capacity ? call_capacity * 2 : 16;
    calls = grow(calls, call_capacity * sizeof *calls);
  }
  calls[call_count++] = (struct call){.id = id, .pid = pid, .out = out[0], .err = err[0], .in = in[1]};
  set_nonblocking(out[0]);
  set_nonblocking(err[0]);
  if (has_input) set_nonblocking(in[1]);
  send_ints(id, 'P', pid, 0, 1);
}

/* ---- input -------------------------------------------------------------------------------- */

static void write_input(struct call *call) {
  size_t pending = call->input_end - call->input_at;
  if (pending > 0) {
    ssize_t n = write(call->in, call->input + call->input_at, pending);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n < 0) {
      /* It exited without reading its input (EPIPE): not a failure of ours. */
      close_fd(&call->in);
      return;
    }
    call->input_at += (size_t)n;
  }
  if (call->input_at == call->input_end) {
    call->input_at = call->input_end = 0;
    if (call->input_ended) close_fd(&call->in);
  }
}

static void add_input(uint32_t id, const unsigned char *bytes, size_t size) {
  struct call *call = find(id);
  if (call == NULL || call->in < 0) return; /* it never started, or stopped reading */
  if (size == 0) {
    call->input_ended = true;
  } else {
    /* Moved to the front before it grows, so the buffer holds at most what is unwritten. */
    if (call->input_at > 0) {
      memmove(call->input, call->input + call->input_at, call->input_end - call->input_at);
      call->input_end -= call->input_at;
      call->input_at = 0;
    }
    if (call->input_end + size > call->input_capacity) {
      call->input_capacity = call->input_end + size;
      call->input = grow(call->input, call->input_capacity);
    }
    memcpy(call->input + call->input_end, bytes, size);
    call->input_end += size;
  }
  write_input(call);
}

/* ---- the loop ----------------------------------------------------------------------------- */

static unsigned char *request;
static size_t request_length, request_capacity;

static void handle_request(uint32_t id, char type, const unsigned char *payload, size_t size) {
  struct call *call;
  switch (type) {
  case 'S':
    start(id, payload, size);
    return;
  case 'I':
    add_input(id, payload, size);
    return;
  case 'C':
    if ((call = find(id)) != NULL) drain(call);
    return; /* not found: it had finished already */
  default:
    protocol_error("unknown request");
  }
}

/* The daemon kills them all (a u32 on EXIT_FD). An EOF there, from a daemon killed outright,
 * kills nothing; the helper then stops watching it. */
static int exit_fd = -1;

static void daemon_exit(void) {
  static unsigned char last[4];
  static size_t have;
  if (exit_fd < 0) return;
  ssize_t n = read(exit_fd, last + have, sizeof last - have);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    exit_fd = -1;
    return;
  }
  have += (size_t)n;
  if (have < sizeof last) return;
  have = 0;
  uint32_t through = get_u32(last);
  if (through > cancelled_through) cancelled_through = through;
  for (size_t i = 0; i < call_count; i++)
    if (calls[i].pid > 0) kill(-calls[i].pid, SIGKILL);
}

static void read_requests(void) {
  if (request_capacity - request_length < CHUNK) {
    request_capacity = request_capacity ? request_capacity * 2 : 2 * CHUNK;
    request = grow(request, request_capacity);
  }
  ssize_t n = read(STDIN_FILENO, request + request_length, request_capacity - request_length);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    daemon_exit(); /* it may have said so on its way out, before this end closed */
    exit(0);       /* the daemon closed its end or died */
  }
  request_length += (size_t)n;
  size_t used = 0;
  while (request_length - used >= 4) {
    uint32_t size = get_u32(request + used);
    if (size < 5 || size > MAX_FRAME) protocol_error("bad request size");
    if (request_length - used - 4 < size) break;
    const unsigned char *frame = request + used + 4;
    handle_request(get_u32(frame), (char)frame[4], frame + 5, size - 5);
    used += 4 + size;
  }
  memmove(request, request + used, request_length - used);
  request_length -= used;
  if (request_length >= 4 && 4 + get_u32(request) > request_capacity) {
    request_capacity = 4 + get_u32(request);
    request = grow(request, request_capacity);
  } else if (request_capacity > 4 * CHUNK && request_length < CHUNK) {
    /* A large frame passed: give its room back. */
    request_capacity = 2 * CHUNK;
    request = grow(request, request_capacity);
  }
}

static void reap(int signals) {
  struct signalfd_siginfo info;
  while (read(signals, &info, sizeof info) == sizeof info) {
  }
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (size_t i = 0; i < call_count; i++) {
      struct call *call = &calls[i];
      if (call->pid != pid) continue;
      call->exited = true;
      if (WIFSIGNALED(status))
        send_ints(call->id, 'X', -1, WTERMSIG(status), 2);
      else
        send_ints(call->id, 'X', WEXITSTATUS(status), 0, 2);
      finish_if_done(call);
      break;
    }
  }
}

static void read_output(struct call *call, int *fd, char type) {
  static unsigned char buffer[CHUNK];
  ssize_t n = read(*fd, buffer, sizeof buffer);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n > 0) {
    send_event(call->id, type, buffer, (size_t)n);
    return;
  }
  close_fd(fd);
  if (call->out < 0 && call->err < 0) drain(call);
}

/* Which call and which of its pipes a poll entry watches. */
struct watch {
  uint32_t id;
  int stream; /* 0 stdout, 1 stderr, 2 stdin */
};

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--protocol") == 0) {
    printf("%d\n", PROTOCOL_VERSION);
    return 0;
  }
  signal(SIGPIPE, SIG_IGN);
  sigset_t child;
  sigemptyset(&child);
  sigaddset(&child, SIGCHLD);
  sigprocmask(SIG_BLOCK, &child, NULL);
  int signals = signalfd(-1, &child, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signals < 0) die("signalfd");
  set_nonblocking(STDIN_FILENO);
  /* Started by hand (without descriptor 3), it simply has no exit to watch. */
  exit_fd = fcntl(EXIT_FD, F_GETFD) < 0 ? -1 : EXIT_FD;
  if (exit_fd >= 0) {
    fcntl(exit_fd, F_SETFD, FD_CLOEXEC); /* none of a command's business */
    set_nonblocking(exit_fd);
  }

  struct pollfd *fds = NULL;
  struct watch *watches = NULL;
  size_t capacity = 0;
  for (;;) {
    if (3 + 3 * call_count > capacity) {
      capacity = 2 * (3 + 3 * call_count);
      fds = grow(fds, capacity * sizeof *fds);
      watches = grow(watches, capacity * sizeof *watches);
    }
    /* Only open descriptors: poll counts every entry against RLIMIT_NOFILE, closed or not. */
    size_t count = 0;
    fds[count++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
    fds[count++] = (struct pollfd){.fd = signals, .events = POLLIN};
    fds[count++] = (struct pollfd){.fd = exit_fd, .events = POLLIN};
    for (size_t i = 0; i < call_count; i++) {
      const struct call *call = &calls[i];
      int streams[3] = {call->out, call->err, call->input_at < call->input_end ? call->in : -1};
      for (int stream = 0; stream < 3; stream++) {
        if (streams[stream] < 0) continue;
        watches[count] = (struct watch){.id = call->id, .stream = stream};
        fds[count++] = (struct pollfd){.fd = streams[stream], .events = stream == 2 ? POLLOUT : POLLIN};
      }
    }
    if (poll(fds, count, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    /* Calls move when one finishes, so each is found again by its id before it is served. */
    for (size_t i = 3; i < count; i++) {
      if (fds[i].revents == 0) continue;
      struct call *call = find(watches[i].id);
      if (call == NULL) continue;
      if (watches[i].stream == 0 && call->out >= 0) read_output(call, &call->out, 'O');
      if (watches[i].stream == 1 && call->err >= 0) read_output(call, &call->err, 'E');
      if (watches[i].stream == 2 && call->in >= 0) write_input(call);
    }
    /* Output first, then the daemon's exit, then exits, then new requests: 'X' tends to follow
     * the output before it. */
    if (fds[2].revents) daemon_exit();
    if (fds[1].revents) reap(signals);
    if (fds[0].revents) read_requests();
  }
}
