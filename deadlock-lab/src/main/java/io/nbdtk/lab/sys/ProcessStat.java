package io.nbdtk.lab.sys;

/**
 * The fields of {@code /proc/PID/stat} the lab uses. The command name may contain spaces and
 * parentheses, so fields are counted from the last ')'.
 */
public record ProcessStat(int pid, String comm, char state, int ppid, long flags, long startTime) {

    public static ProcessStat parse(String text) {
        int open = text.indexOf('(');
        int close = text.lastIndexOf(')');
        if (open < 0 || close < open) {
            throw new IllegalArgumentException("not a stat line: " + text);
        }
        String[] rest = text.substring(close + 2).trim().split(" ");
        // rest[0] is field 3 (state); field N is rest[N - 3]
        return new ProcessStat(Integer.parseInt(text.substring(0, open).trim()), text.substring(open + 1, close),
                rest[0].charAt(0), Integer.parseInt(rest[1]), Long.parseUnsignedLong(rest[6]),
                Long.parseLong(rest[19]));
    }

    public boolean ioFlusher() {
        return (flags & ProcFs.PF_IO_FLUSHER) == ProcFs.PF_IO_FLUSHER;
    }
}
