namespace Nfwalk; public static class Placeholder {}
